module libengine.local/engine/examples

go 1.19

require libengine.local/engine v0.0.0

replace libengine.local/engine => ../../bindings/go
