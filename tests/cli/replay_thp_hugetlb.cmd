replay gen:seq --thp always --pages 2m
