demo --paging 5
