/*
 * liblium-utils: everything that touches a pod or the local machine, with no
 * knowledge of the Celium API: SSH and SFTP on libssh, the fan-out runner,
 * process spawning, files, and the Docker Engine API.
 */
#ifndef LIUM_UTILS_H
#define LIUM_UTILS_H

#include "utils/common.h"
#include "utils/ssh.h"
#include "utils/fanout.h"
#include "utils/process.h"
#include "utils/fs.h"
#include "utils/docker.h"

#endif /* LIUM_UTILS_H */
