// Package capi is the SWIG-generated wrapping of libengine's C API, one to
// one; the parent package engine is the idiomatic API built on it.
package capi

// The headers come from this source tree (the interface in ../../../swig is
// written against them); the library from pkg-config, installed or not:
// PKG_CONFIG_PATH=<build>/bindings/go selects an uninstalled build.

// #cgo CFLAGS: -I${SRCDIR}/../../../../include -I${SRCDIR}/../../../swig
// #cgo pkg-config: libengine
import "C"
