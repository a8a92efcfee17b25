from tap_tripletex.tap import main

main()
