Creator "test"
graph [
 directed 1
 node [ id 5 label "five" ]
 node [ id 7 ]
 edge [ source 7 target 5 value 2.5 graphics [ w 1 ] ]
]
