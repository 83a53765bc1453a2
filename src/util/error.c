/* util/error.c: version and error strings. */
#include "vmlab/base.h"

const char *vml_version(void)
{
    return VML_VERSION_STRING;
}

const char *vml_strerror(int err)
{
    switch (err) {
    case VML_OK: return "success";
    case VML_EINVAL: return "invalid argument";
    case VML_ENOMEM: return "simulated physical memory exhausted";
    case VML_EHOST: return "host out of memory";
    case VML_EEXIST: return "already mapped";
    case VML_ENOENT: return "not mapped";
    case VML_ENONCANON: return "non-canonical address";
    case VML_EPARSE: return "parse error";
    case VML_EAGAIN: return "no pid left below pid_max";
    case VML_EFBIG: return "file too large";
    case VML_EOVERFLOW: return "value too large for the file offset";
    case VML_ENOTSUP: return "not simulated yet";
    case VML_EKILLED: return "the process was killed by the OOM killer";
    case VML_EPANIC: return "the simulated kernel panicked";
    case VML_EBUSY: return "busy";
    case VML_EFAULT: return "bad address";
    default: return "unknown error";
    }
}

const char *vml_ps_name(enum vml_page_size ps)
{
    switch (ps) {
    case VML_PS_4K: return "4K";
    case VML_PS_2M: return "2M";
    case VML_PS_1G: return "1G";
    default: return "?";
    }
}
