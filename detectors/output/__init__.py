"""Output formats: ``root`` (ROOT TTree / RNTuple with uproot, atomic files), ``hepmc`` (HepMC3 /
NuHepMC), ``storage`` (branch precision; compact, full or slim record), ``particle_list`` (the compact record: the
particle list rebuilt from the named records) and ``writer_thread`` (writing in the background).
"""
