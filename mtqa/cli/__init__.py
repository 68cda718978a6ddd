"""The command line: ``main`` (typer; `mtqa check`, `fix`, `rules`, `config`, `setup`,
`serve`) and ``eval`` (`mtqa eval`)."""
