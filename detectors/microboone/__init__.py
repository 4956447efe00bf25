"""MicroBooNE (BNB, liquid-argon TPC): ``response``, the forward coherent e+e- selection of arXiv:2502.10900."""
