replay --pages 2m --ram 1G gen:seq:footprint=64M,count=32,stride=2M | grep -E '^machine|mapped|^  records'
