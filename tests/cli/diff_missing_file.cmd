diff /nonexistent/x.vml
