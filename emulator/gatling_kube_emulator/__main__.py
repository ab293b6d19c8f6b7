from gatling_kube_emulator.serve import main

main()
