from automsg_sync.cli import main

main()
