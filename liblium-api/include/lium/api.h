/*
 * liblium-api: the Celium REST client.
 */
#ifndef LIUM_API_H
#define LIUM_API_H

#include "api/common.h"

#endif /* LIUM_API_H */
