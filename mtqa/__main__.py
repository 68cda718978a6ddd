from mtqa.cli.main import main

main()
