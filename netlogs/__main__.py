from netlogs.cli import main

main()
