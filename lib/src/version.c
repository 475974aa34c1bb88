#include <contend/contend.h>

const char *ct_version(void)
{
	return CT_VERSION;
}
