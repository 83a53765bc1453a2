replay gen:seq --frob
