run /dev/zero
