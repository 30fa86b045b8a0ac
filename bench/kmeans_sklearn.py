"""Reference inertia for bench/bench_kmeans.sh: scikit-learn's KMeans
(n_init=10, the library's default k-means++ and Lloyd) on the points that
psql writes to stdin as CSV rows of d values.  Prints inertia and seconds."""
import sys, time
import numpy as np
from sklearn.cluster import KMeans

k = int(sys.argv[1])
x = np.loadtxt(sys.stdin, delimiter=',')
t = time.time()
km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
print(f"{km.inertia_!r} {time.time() - t:.2f} {x.shape[0]} {x.shape[1]}")
