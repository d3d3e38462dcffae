module libengine.local/engine/bench

go 1.19

require libengine.local/engine v0.0.0

replace libengine.local/engine => ../../../bindings/go
