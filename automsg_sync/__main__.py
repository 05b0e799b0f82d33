from automsg_sync.cli import run

run()
