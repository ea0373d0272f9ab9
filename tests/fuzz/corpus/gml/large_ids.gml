graph [ node [ id 1000000000000 ] node [ id -1 ] edge [ source -1 target 1000000000000 weight 0.25 ] ]
