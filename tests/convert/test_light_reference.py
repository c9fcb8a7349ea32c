"""The light UniFormer reference (tests/reference/uniformer_light_ref.py) against
the spec's invariants, with computations written out here independently:

* key and parameter counts and shapes (spec §1, §6), strict loading of every wrapping;
* the token counts of §4.5 for XXS 8x128;
* every prune ratio 1: the same logits as a plain, unpruned forward pass
  (explicit per-head attention, BatchNorm and LayerNorm from their formulas);
* a pruned block equals a set-based computation in original order (§5: only
  the kept set matters), dropped scores stay, every dropped token moves by the
  rep token's change;
* the tie rule (score descending, then index ascending) on scores and on the
  tie case, whose stage-3 block 1 keeps tokens 0..K-1;
* kept sets are the top-K by that rule in every block, stage 4 starting from
  the pooled stage-3 scores; the pooling keeps the sum.
"""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import light_fixtures as lf  # noqa: E402
from fixtures import need_torch  # noqa: E402


def nparams(m):
    return sum(p.numel() for p in m.parameters())


def layer_norm(x, mod, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / (var + eps).sqrt() * mod.weight + mod.bias


def batch_norm(x, mod):
    shape = (1, -1) + (1,) * (x.dim() - 2)
    scale = mod.weight / (mod.running_var + 1e-5).sqrt()
    return (x - mod.running_mean.reshape(shape)) * scale.reshape(shape) + mod.bias.reshape(shape)


def gelu(x):
    return 0.5 * x * (1 + (x / math.sqrt(2)).erf())


def attention(z, attn):
    """(out, s): per-head attention with explicit slices of qkv's rows [q|k|v]."""
    torch = need_torch()
    c, hd = z.shape[-1], attn.head_dim
    qkv = z @ attn.qkv.weight.T + attn.qkv.bias
    heads, rows = [], []
    for h in range(c // hd):
        q, k, v = (qkv[:, part * c + h * hd: part * c + (h + 1) * hd] for part in range(3))
        a = ((q @ k.T) / math.sqrt(hd)).softmax(-1)
        heads.append(a @ v)
        rows.append(a[0, 1:])
    out = torch.cat(heads, -1) @ attn.proj.weight.T + attn.proj.bias
    return out, torch.stack(rows).mean(0)


def mlp(x, m):
    return gelu(x @ m.fc1.weight.T + m.fc1.bias) @ m.fc2.weight.T + m.fc2.bias


def gamma(g, x):
    return x if g is None else g.reshape(-1) * x


def plain_forward(model, x):
    """Every block keeping all its tokens, written from §3 without the reference's
    block code (its modules only hold the weights)."""
    torch = need_torch()
    F = torch.nn.functional
    p = model.patch_embed1.proj
    x = batch_norm(F.conv3d(x, p[0].weight, p[0].bias, (1, 2, 2), 1), p[1])
    x = batch_norm(F.conv3d(gelu(x), p[3].weight, p[3].bias, 2, 1), p[4])
    cls = model.cls_token[0]
    for s in (1, 2, 3, 4):
        if s > 1:
            pe = getattr(model, f"patch_embed{s}")
            x = F.conv3d(x, pe.proj.weight, pe.proj.bias, (1, 2, 2))
            x = layer_norm(x.movedim(1, -1), pe.norm, 1e-5).movedim(-1, 1)
        if s == 4:
            cls = cls @ model.cls_upsample.weight.T + model.cls_upsample.bias
        for blk in getattr(model, f"blocks{s}"):
            c = x.shape[1]
            x = x + F.conv3d(x, blk.pos_embed.weight, blk.pos_embed.bias, padding=1, groups=c)
            if s <= 2:
                shape = (1, c, 1, 1, 1)
                y = F.conv3d(batch_norm(x, blk.norm1), blk.conv1.weight, blk.conv1.bias)
                y = F.conv3d(y, blk.attn.weight, blk.attn.bias, padding=2, groups=c)
                y = F.conv3d(y, blk.conv2.weight, blk.conv2.bias)
                x = x + (y if blk.gamma_1 is None else blk.gamma_1.reshape(shape) * y)
                y = gelu(F.conv3d(batch_norm(x, blk.norm2), blk.mlp.fc1.weight, blk.mlp.fc1.bias))
                y = F.conv3d(y, blk.mlp.fc2.weight, blk.mlp.fc2.bias)
                x = x + (y if blk.gamma_2 is None else blk.gamma_2.reshape(shape) * y)
                continue
            grid = x.shape
            z = torch.cat([cls, x[0].flatten(1).T])
            z = z + gamma(blk.gamma_1, attention(layer_norm(z, blk.norm1, 1e-6), blk.attn)[0])
            z = z + gamma(blk.gamma_2, mlp(layer_norm(z, blk.norm2, 1e-6), blk.mlp))
            cls, x = z[:1], z[1:].T.reshape(grid)
    x = batch_norm(x, model.norm).flatten(2).mean(-1)
    return x @ model.head.weight.T + model.head.bias


class Reference(unittest.TestCase):
    def setUp(self):
        self.torch = need_torch()
        self.ref = lf.reference()
        self.torch.set_num_threads(2)

    def test_counts_and_shapes(self):
        ref = self.ref
        for layout, ls, keys, params in ((ref.XXS, True, 368, 9_840_616),
                                         (ref.XXS, False, 334, 9_833_896),
                                         (ref.XS, False, 384, 16_099_552),
                                         (ref.XS, True, 424, None)):
            m = ref.LightUniformer(**layout, layer_scale=ls)
            self.assertEqual(len(m.state_dict()), keys)
            if params is not None:
                self.assertEqual(nparams(m), params)
        sd = ref.LightUniformer(**ref.XXS, layer_scale=True).state_dict()
        for key, shape in (("cls_token", (1, 1, 224)), ("patch_embed1.proj.0.weight",
                                                        (28, 3, 3, 3, 3)),
                           ("patch_embed1.proj.3.weight", (56, 28, 3, 3, 3)),
                           ("patch_embed1.proj.4.running_var", (56,)),
                           ("patch_embed4.proj.weight", (448, 224, 1, 2, 2)),
                           ("cls_upsample.weight", (448, 224)),
                           ("blocks1.1.gamma_1", (1, 56, 1, 1, 1)),
                           ("blocks2.4.attn.weight", (112, 1, 5, 5, 5)),
                           ("blocks2.4.mlp.fc1.weight", (336, 112, 1, 1, 1)),
                           ("blocks3.7.attn.qkv.weight", (672, 224)),
                           ("blocks3.7.gamma_2", (224,)), ("blocks4.1.mlp.fc2.weight",
                                                           (448, 1344)),
                           ("norm_cls.weight", (448,)), ("head_cls.weight", (400, 448))):
            self.assertEqual(tuple(sd[key].shape), shape, key)
        self.assertEqual(sd["norm.num_batches_tracked"].dtype, self.torch.int64)
        self.assertEqual([m.attn.heads for m in (ref.LightUniformer(**ref.XXS).blocks3[0],
                                                  ref.LightUniformer(**ref.XXS).blocks4[0])],
                         [8, 16])

    def test_wrappings_load(self):
        sd = lf.state_dict()
        for obj in (sd, {"model": sd}, {"model_state": sd, "epoch": 1, "cfg": ""},
                    {"module." + k: v for k, v in sd.items()}):
            m = self.ref.from_state_dict(obj, head_dim=16)
            self.assertIsNotNone(m.blocks1[0].gamma_1)
        xs = self.ref.from_state_dict(self.ref.LightUniformer(**self.ref.XS).state_dict())
        self.assertEqual(xs.blocks3[0].attn.head_dim, 32)

    def test_token_counts_xxs_8x128(self):
        model = lf.model(self.ref.XXS, num_classes=400)
        x = self.torch.randn(1, 3, 8, 128, 128, generator=self.torch.Generator().manual_seed(1))
        with self.torch.no_grad():
            _, trace = model.run(x)
        got = [(r.stage, r.tokens, r.kept, r.attn_len) for r in trace]
        self.assertEqual(got, [(3, 256, 256, 257)] + [(3, 256, 128, 130)] * 7
                         + [(4, 64, 32, 34)] * 2)

    def test_unpruned_is_a_plain_forward(self):
        ones = ((1, 1), (1, 1))
        x = self.torch.randn(1, 3, 4, 64, 64, generator=self.torch.Generator().manual_seed(2),
                             dtype=self.torch.float64)
        for ls in (True, False):
            with self.subTest(layer_scale=ls), self.torch.no_grad():
                model = lf.model(layer_scale=ls, seed=4, prune_ratio=ones).double()
                other = lf.model(layer_scale=ls, seed=4, prune_ratio=ones,
                                 trade_off=((0, 0.3), (0.9, 0.1))).double()
                logits, trace = model.run(x)
                self.assertTrue(all(r.kept_set is None for r in trace))
                want = plain_forward(model, x)
                self.torch.testing.assert_close(logits, want, rtol=0, atol=1e-10)
                self.torch.testing.assert_close(other(x), logits, rtol=0, atol=0)

    def test_pruned_block_by_kept_set(self):
        """One pruned block against a computation in original token order."""
        torch = self.torch
        gen = torch.Generator().manual_seed(6)
        model = lf.model(seed=7).double()
        blk, n, c, k, t = model.blocks3[1], 32, 64, 13, 0.3
        x = torch.randn(1, c, 2, 4, 4, generator=gen, dtype=torch.float64)
        cls = torch.randn(1, 1, c, generator=gen, dtype=torch.float64)
        g = torch.rand(n, generator=gen, dtype=torch.float64) + 0.1
        record = self.ref.BlockTrace(3, 1, n, 0, 0, k / n)
        with torch.no_grad():
            out, out_cls, out_g = blk(x, cls, g, k / n, t, record)
            p = (x + blk.pos_embed(x))[0].flatten(1).T
            rank = sorted(range(n), key=lambda i: -float(g[i]))
            kept, dropped = sorted(rank[:k]), sorted(rank[k:])
            w = g[dropped] / g[dropped].sum()
            rep = (w[:, None] * p[dropped]).sum(0, keepdim=True)
            z = torch.cat([cls[0], p[kept], rep])
            a, s = attention(layer_norm(z, blk.norm1, 1e-6), blk.attn)
            a = blk.gamma_1 * a
            z = z + a
            m = blk.gamma_2 * mlp(layer_norm(z, blk.norm2, 1e-6), blk.mlp)
            z = z + m
            want = p.clone()
            want[kept] = z[1:k + 1]
            want[dropped] = p[dropped] + a[-1] + m[-1]
            want_g = g.clone()
            want_g[kept] = (1 - t) * g[kept] + t * s[:k]
        self.assertEqual(record.kept_set, kept)
        self.assertEqual((record.kept, record.attn_len), (k, k + 2))
        torch.testing.assert_close(out[0].flatten(1).T, want, rtol=0, atol=1e-12)
        torch.testing.assert_close(out_cls[0], z[:1], rtol=0, atol=1e-12)
        torch.testing.assert_close(out_g, want_g, rtol=0, atol=1e-15)
        self.assertTrue(torch.equal(out_g[dropped], g[dropped]))  # dropped scores stay
        moved = out[0].flatten(1).T[dropped] - p[dropped]
        torch.testing.assert_close(moved, moved[:1].expand_as(moved), rtol=0, atol=1e-12)

    def test_score_update_branches(self):
        torch, update = self.torch, self.ref.update_scores
        s = torch.tensor([0.2, 0.4, 0.1])
        self.assertTrue(torch.equal(update(None, s, 0.3), s))
        g = torch.tensor([0.5, 0.3, 0.2])
        torch.testing.assert_close(update(g, s, 0.25), 0.75 * g + 0.25 * s)  # len(g) == L-1
        g4 = torch.tensor([0.5, 0.3, 0.2, 0.9])                            # K = 2, rep column
        want = torch.tensor([0.75 * 0.5 + 0.25 * 0.2, 0.75 * 0.3 + 0.25 * 0.4, 0.2, 0.9])
        torch.testing.assert_close(update(g4, s, 0.25), want)

    def test_tie_rule(self):
        torch, order = self.torch, self.ref.keep_order
        self.assertEqual(order(torch.tensor([0.5, 0.2, 0.5, 0.2, 0.1, 0.5])).tolist(),
                         [0, 2, 5, 1, 3, 4])
        self.assertEqual(order(torch.tensor([0.0, -0.0, 1.0, 0.0])).tolist(), [2, 0, 1, 3])
        self.assertEqual(order(torch.full((7,), 0.25, dtype=torch.float64)).tolist(),
                         list(range(7)))
        with self.assertRaises(ValueError):
            order(torch.tensor([0.1, float("nan")]))

    def test_tie_case(self):
        import make_light_case
        model, clip, _ = make_light_case.build("xxs8x128-ties")
        with self.torch.no_grad():
            _, trace = model.run(clip)
        first = trace[1]
        self.assertEqual((first.stage, first.block, first.tied), (3, 1, 256))
        self.assertEqual(first.kept_set, list(range(128)))
        self.assertTrue(self.torch.equal(trace[0].scores, trace[0].scores[:1].expand(256)))
        self.check_rule(trace)

    def check_rule(self, trace):
        """Each pruned block kept the top K by score, ties to the lower index, from the
        previous block's scores (stage 4 block 0: the pooled stage-3 ones)."""
        before = None
        for r in trace:
            if r.kept_set is not None:
                kept = set(r.kept_set)
                dropped = [i for i in range(r.tokens) if i not in kept]
                self.assertEqual(len(kept), r.kept)
                low = min(kept, key=lambda i: (float(before[i]), -i))
                high = max(dropped, key=lambda i: (float(before[i]), -i))
                self.assertTrue((float(before[low]), -low) > (float(before[high]), -high),
                                f"stage {r.stage} block {r.block}")
            before = r.scores

    def test_kept_sets_and_pooling(self):
        model = lf.model(seed=8, prune_ratio=((1, 0.4), (0.75, 0.5)))
        x = self.torch.randn(1, 3, 8, 64, 64, generator=self.torch.Generator().manual_seed(3))
        with self.torch.no_grad():
            _, trace = model.run(x)
        self.assertEqual([(r.tokens, r.kept) for r in trace], [(64, 64), (64, 25), (16, 12),
                                                               (16, 8)])
        self.check_rule(trace)
        g = self.torch.arange(64, dtype=self.torch.float64)
        pooled = self.ref.pool_scores(g, (4, 4, 4))
        # window (t, 2i..2i+1, 2j..2j+1): mean of 16t + 8i + 2j + {0, 1, 4, 5}, times 4
        want = [4 * (16 * t + 8 * i + 2 * j + 2.5) for t in range(4) for i in range(2)
                for j in range(2)]
        self.torch.testing.assert_close(pooled, self.torch.tensor(want, dtype=self.torch.float64))
        self.assertAlmostEqual(float(pooled.sum()), float(g.sum()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
