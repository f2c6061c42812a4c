/*
 * liblium-utils: SSH, SFTP, fan-out, processes, files and the Docker Engine.
 */
#ifndef LIUM_UTILS_H
#define LIUM_UTILS_H

#include "utils/common.h"

#endif /* LIUM_UTILS_H */
