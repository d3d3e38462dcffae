module libengine.local/engine

go 1.19
