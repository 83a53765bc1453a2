replay gen:seq --thp sometimes
