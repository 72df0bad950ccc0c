# Independent pure-Python port of the forward pass of llama2.c's run.c (raw weights, interleaved
# RoPE, no llmedit code), used to check llmedit's llama2.c import. Usage: llama2c_run.py FILE.bin N
# prints the N greedy tokens after BOS.
import struct, array, math, sys
f = open(sys.argv[1], 'rb')
dim, hidden, L, H, KVH, V, S = struct.unpack('7i', f.read(28))
shared = V > 0; V = abs(V); hs = dim // H; kvdim = KVH * hs
data = array.array('f'); data.frombytes(f.read())
pos_ = [0]
def take(n):
    a = data[pos_[0]:pos_[0]+n]; pos_[0] += n; return a
emb = take(V*dim); rms_att = take(L*dim); wq = take(L*dim*dim); wk = take(L*dim*kvdim); wv = take(L*dim*kvdim)
wo = take(L*dim*dim); rms_ffn = take(L*dim); w1 = take(L*dim*hidden); w2 = take(L*hidden*dim); w3 = take(L*dim*hidden)
rms_final = take(dim); take(S*hs); wcls = emb if shared else take(V*dim)
def rmsnorm(x, w, off):
    ss = sum(v*v for v in x)/len(x) + 1e-5; ss = 1/math.sqrt(ss)
    return [w[off+i]*ss*x[i] for i in range(len(x))]
def matmul(x, w, off, n, d):  # W (d,n) @ x (n,)
    return [sum(w[off+i*n+j]*x[j] for j in range(n)) for i in range(d)]
kc = [[None]*S for _ in range(L)]; vc = [[None]*S for _ in range(L)]
def forward(tok, pos):
    x = list(emb[tok*dim:(tok+1)*dim])
    for l in range(L):
        xb = rmsnorm(x, rms_att, l*dim)
        q = matmul(xb, wq, l*dim*dim, dim, dim); k = matmul(xb, wk, l*dim*kvdim, dim, kvdim); v = matmul(xb, wv, l*dim*kvdim, dim, kvdim)
        for i in range(0, dim, 2):
            hd = i % hs; freq = 1.0 / (10000.0 ** (hd / hs)); val = pos*freq; fcr, fci = math.cos(val), math.sin(val)
            for vec in ([q, k] if i < kvdim else [q]):
                v0, v1 = vec[i], vec[i+1]; vec[i] = v0*fcr - v1*fci; vec[i+1] = v0*fci + v1*fcr
        kc[l][pos] = k; vc[l][pos] = v
        out = [0.0]*dim
        for h in range(H):
            kh = h // (H // KVH)
            sc = [sum(q[h*hs+j]*kc[l][t][kh*hs+j] for j in range(hs))/math.sqrt(hs) for t in range(pos+1)]
            m = max(sc); e = [math.exp(s-m) for s in sc]; z = sum(e)
            for j in range(hs): out[h*hs+j] = sum(e[t]/z*vc[l][t][kh*hs+j] for t in range(pos+1))
        o = matmul(out, wo, l*dim*dim, dim, dim); x = [x[i]+o[i] for i in range(dim)]
        xb = rmsnorm(x, rms_ffn, l*dim)
        h1 = matmul(xb, w1, l*dim*hidden, dim, hidden); h3 = matmul(xb, w3, l*dim*hidden, dim, hidden)
        hh = [h1[i]/(1+math.exp(-h1[i]))*h3[i] for i in range(hidden)]
        o = matmul(hh, w2, l*hidden*dim, hidden, dim); x = [x[i]+o[i] for i in range(dim)]
    x = rmsnorm(x, rms_final, 0)
    return matmul(x, wcls, 0, dim, V)
tok = 1; outs = []
for pos in range(int(sys.argv[2])):
    logits = forward(tok, pos); tok = max(range(V), key=lambda i: logits[i]); outs.append(tok)
print(outs)
