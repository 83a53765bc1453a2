replay /nonexistent/trace.vmt
