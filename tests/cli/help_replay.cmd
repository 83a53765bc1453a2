help replay
