help pmap
