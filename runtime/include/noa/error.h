/* Error codes returned by libnoa. Functions return 0 on success or one of these; the runtime has no
 * global error state. */
#ifndef NOA_ERROR_H
#define NOA_ERROR_H

enum noa_code {
	NOA_OK = 0,
	/* A file, key or device the caller asked for does not exist. */
	NOA_ENOTFOUND = -1,
	/* Input was malformed or out of range. */
	NOA_EINVALID = -2,
	/* Reading or writing failed. */
	NOA_EIO = -3,
	/* An allocation failed or a size overflowed. */
	NOA_ENOMEM = -4,
};

/* Returns a short lower-case name for a code ("ok", "not found", ...), for messages. */
const char *noa_strerror(int code);

#endif
