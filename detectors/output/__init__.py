"""Output formats: ``root`` (ROOT TTree / RNTuple with uproot, atomic files), ``hepmc`` (HepMC3 /
NuHepMC), ``storage`` (branch precision, slim or full record) and ``writer_thread`` (writing in the background).
"""
