cpu show "skylake:pcid=on,$(head -c 100000 /dev/zero | tr '\0' a)=1"
