#include "lium/core/common.h"

#ifndef LIUM_VERSION_STRING
#error "LIUM_VERSION_STRING must be defined by the build"
#endif

const char *lium_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = LIUM_VERSION_MAJOR;
	if (minor)
		*minor = LIUM_VERSION_MINOR;
	if (patch)
		*patch = LIUM_VERSION_PATCH;
	return LIUM_VERSION_STRING;
}
