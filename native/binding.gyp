{
  "variables": {
    "rdkit_include%": "<!(node -p \"process.env.RDKIT_INCLUDE || '/usr/include/rdkit'\")",
    "rdkit_libdir%": "<!(node -p \"process.env.RDKIT_LIBDIR || '/usr/lib'\")"
  },
  "targets": [
    {
      "target_name": "rdkit_native",
      "sources": ["rdkit_native.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(rdkit_include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2"],
      "libraries": [
        "-L<(rdkit_libdir)",
        "-Wl,-rpath,<(rdkit_libdir)",
        "-lRDKitChemReactions",
        "-lRDKitDescriptors",
        "-lRDKitFileParsers",
        "-lRDKitMolDraw2D",
        "-lRDKitDepictor",
        "-lRDKitSmilesParse",
        "-lRDKitSubstructMatch",
        "-lRDKitGraphMol",
        "-lRDKitRDGeneral"
      ]
    }
  ]
}
