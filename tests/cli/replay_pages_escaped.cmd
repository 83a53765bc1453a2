replay gen:seq --pages $'8\x1bk'
