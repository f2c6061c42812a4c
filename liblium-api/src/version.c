#include "lium/api/common.h"

const char *lium_api_version(void)
{
	return LIUM_VERSION_STRING;
}
