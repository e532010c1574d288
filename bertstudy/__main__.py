from bertstudy.cli import main

main()
