run /nonexistent/none.vml
