#include "lium/utils/common.h"

const char *lium_utils_version(void)
{
	return LIUM_VERSION_STRING;
}
