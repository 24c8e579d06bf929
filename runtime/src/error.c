/* Names for libnoa's error codes. */
#include "noa/error.h"

const char *noa_strerror(int code)
{
	switch (code) {
	case NOA_OK:
		return "ok";
	case NOA_ENOTFOUND:
		return "not found";
	case NOA_EINVALID:
		return "invalid input";
	case NOA_EIO:
		return "I/O error";
	case NOA_ENOMEM:
		return "out of memory";
	default:
		return "unknown error";
	}
}
