"""The command language: the parser, the one handler every channel calls, and every sentence the bot says."""
