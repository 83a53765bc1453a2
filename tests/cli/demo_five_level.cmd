demo --cpu icelake --paging 5 --ram 8G --nodes 1
