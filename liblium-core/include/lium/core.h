/*
 * liblium-core: the I/O-free layer of lium.
 *
 * Domain models of the Celium API, errors, the allocator hook, HUIDs, the
 * Pareto frontier, the offer filter language, target lists, times and
 * durations, formatting and parsing of `ssh_connect_cmd`.  Nothing here
 * reads a file, a socket, a clock, the environment or a random source.
 */
#ifndef LIUM_CORE_H
#define LIUM_CORE_H

#include "core/common.h"
#include "core/error.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/huid.h"
#include "core/time.h"
#include "core/format.h"
#include "core/models.h"
#include "core/pareto.h"
#include "core/filter.h"
#include "core/target.h"
#include "core/sshcmd.h"

#endif /* LIUM_CORE_H */
