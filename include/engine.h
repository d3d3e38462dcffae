/*
 * libengine: an embeddable container engine. Include this header for the
 * whole public API; each include/engine/<noun>.h covers one noun.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include "engine/common.h"
#include "engine/errors.h"
#include "engine/context.h"
#include "engine/image.h"
#include "engine/store.h"
#include "engine/registry.h"
#include "engine/distribution.h"
#include "engine/spec.h"
#include "engine/container.h"
#include "engine/pool.h"
#include "engine/network.h"
#include "engine/volume.h"
#include "engine/attach.h"
#include "engine/exec.h"
#include "engine/logs.h"
#include "engine/events.h"
#include "engine/build.h"
#include "engine/oci.h"

#endif
