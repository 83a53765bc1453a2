/* host/settings.h: kernel setting files (sysfs, sysctl) written for a run and put back after it
 * (internal to host/).
 *
 * Every file a run writes is journalled with what it held before; host_settings_restore writes
 * those values back, newest first. So that an interrupted run leaves the machine as it found it
 * too, SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE are caught while the journal holds anything
 * (unless they were ignored): the handler restores the files with async-signal-safe calls, then the
 * signal takes the process as it would have. SIGKILL cannot be caught: after one, the files keep
 * the run's values (the notes of the run named them). One journal per process: one run at a
 * time writes settings. Across processes, a run takes a machine-wide lock (flock on
 * /run/lock/vmlab-kernel-settings.lock) before its first write and holds it until it has put
 * everything back: a second run that wants to write waits, so it saves the machine's values.
 */
#ifndef VMLAB_HOST_SETTINGS_H
#define VMLAB_HOST_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#define SETTING_PATH_MAX  160
#define SETTING_VALUE_MAX 96

/* The value a setting file holds, as one would write it: the bracketed word of a choice file
 * ("always [madvise] never" -> "madvise"), else its content without the trailing newline.
 * 0, or an errno. */
int host_setting_read(const char *path, char *buf, size_t n);

/* Writes value to path unless the file holds it already (*changed says whether it wrote; *was
 * gets what it held, at least SETTING_VALUE_MAX bytes). The first write of a path is journalled.
 * 0, or an errno (nothing changed then). */
int host_setting_write(const char *path, const char *value, char *was, bool *changed);

/* In a child process forked while the journal holds entries (an agent): the parent owns the
 * files; the child forgets them and takes the signals' default actions back, so that its own
 * death puts nothing back and its /proc status is a plain process's. */
void host_settings_child(void);

/* Registers undo, an action beyond the files (host/pressure.c: remove a memory cgroup, switch
 * swap files off): it runs in the signal handler before the files are put back, so it makes
 * async-signal-safe calls only, and in host_settings_restore, first. Takes the machine-wide
 * lock (waiting for another run as host_setting_write does) and installs the handlers; holds
 * them until host_settings_restore. One undo at a time: a second call replaces the first.
 * 0, or an errno. */
int host_settings_undo(void (*undo)(void));

/* Writes every journalled file back, newest first, forgets them and takes the signal handlers
 * away. Returns how many could not be written back; the first one's path, value and errno go to
 * what (at least SETTING_PATH_MAX + SETTING_VALUE_MAX + 64 bytes) when it is not NULL. */
unsigned host_settings_restore(char *what, size_t n);

#endif
