replay gen:seq --pages thp
