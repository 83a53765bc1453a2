trace record -o /tmp/x.vmt
