replay gen:seq --paging 5
