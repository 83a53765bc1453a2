va 0x1000 --paging 6
