from rollout_tui.cli import main

main()
