"""Builds hostile (and a few valid but unusual) dataset archives for a hand check through the UI or the API.
Usage: python3 tools/hostile/datasets.py [out_dir]   (needs Pillow)"""
import io, os, sys, zipfile, tarfile, zlib, struct, shutil, random
from PIL import Image
SRC=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'datasets', 'demo-cub')
OUT=sys.argv[1] if len(sys.argv) > 1 else '/tmp/hostile/datasets'
os.makedirs(OUT, exist_ok=True)
# Base: 2 classes x 3 images from the demo.
imgs=[l.split() for l in open(f'{SRC}/images.txt')]
boxes={l.split()[0]:l.split()[1:] for l in open(f'{SRC}/bounding_boxes.txt')}
labels={l.split()[0]:l.split()[1] for l in open(f'{SRC}/image_class_labels.txt')}
split={l.split()[0]:l.split()[1] for l in open(f'{SRC}/train_test_split.txt')}
sel=[i for i in imgs if labels[i[0]] in ('1','2')][:3]+[i for i in imgs if labels[i[0]]=='2'][:3]
def base():
    files={}
    files['images.txt']=''.join(f'{n+1} {p}\n' for n,(i,p) in enumerate(sel))
    files['classes.txt']='1 001.red_dot_finch\n2 002.blue_dot_finch\n'
    files['image_class_labels.txt']=''.join(f'{n+1} {labels[i]}\n' for n,(i,p) in enumerate(sel))
    files['bounding_boxes.txt']=''.join(f'{n+1} {" ".join(boxes[i])}\n' for n,(i,p) in enumerate(sel))
    files['train_test_split.txt']=''.join(f'{n+1} {0 if n%2 else 1}\n' for n,(i,p) in enumerate(sel))
    for i,p in sel: files['images/'+p]=open(f'{SRC}/images/{p}','rb').read()
    return files
def wzip(name, files, method=zipfile.ZIP_DEFLATED, prefix='CUB/'):
    with zipfile.ZipFile(f'{OUT}/{name}','w',method) as z:
        for k,v in files.items():
            z.writestr(prefix+k, v if isinstance(v,bytes) else v.encode('utf-8'))
def wtar(name, files, mode='w:gz', prefix='CUB/', extra=None):
    with tarfile.open(f'{OUT}/{name}', mode, format=tarfile.PAX_FORMAT) as t:
        for k,v in files.items():
            b=v if isinstance(v,bytes) else v.encode()
            ti=tarfile.TarInfo(prefix+k); ti.size=len(b); t.addfile(ti, io.BytesIO(b))
        if extra: extra(t)
wzip('ok.zip', base())
wtar('ok.tar.gz', base())
# Archives
f=base(); f['images/'+'a'*300+'.jpg']=b'x'; wzip('a-name-300-chars.zip', f)
f=base(); f['/'.join(['d'*30]*200)+'/x.txt']=b'x'; wzip('a-path-6000-chars.zip', f)
f=base(); f['images/clash']=b'x'; f['images/clash/inner.txt']=b'y'; wzip('a-file-dir-clash.zip', f)
wzip('a-bzip2.zip', base(), zipfile.ZIP_BZIP2)
wzip('a-lzma.zip', base(), zipfile.ZIP_LZMA)
# encrypted flag set on every entry
b=open(f'{OUT}/ok.zip','rb').read(); b=bytearray(b)
i=0
while True:
    i=b.find(b'PK\x03\x04',i)
    if i<0: break
    b[i+6]|=1; i+=4
i=0
while True:
    i=b.find(b'PK\x01\x02',i)
    if i<0: break
    b[i+8]|=1; i+=4
open(f'{OUT}/a-encrypted-flag.zip','wb').write(b)
def pax_evil(t):
    ti=tarfile.TarInfo('CUB/harmless.txt'); ti.pax_headers={'path':'../pax-evil.txt'}; data=b'evil'; ti.size=4; t.addfile(ti, io.BytesIO(data))
wtar('a-pax-path-traversal.tar.gz', base(), extra=pax_evil)
def internal_hardlink(t):
    ti=tarfile.TarInfo('CUB/link.jpg'); ti.type=tarfile.LNKTYPE; ti.linkname='CUB/images.txt'; t.addfile(ti)
wtar('a-internal-hardlink.tar', base(), mode='w', extra=internal_hardlink)
def sparse(t):
    ti=tarfile.TarInfo('CUB/sparse.bin'); ti.type=tarfile.GNUTYPE_SPARSE; ti.size=0; t.addfile(ti)
wtar('a-gnu-sparse.tar', base(), mode='w', extra=sparse)
def charsdev(t):
    ti=tarfile.TarInfo('CUB/tty'); ti.type=tarfile.CHRTYPE; ti.devmajor=5; ti.devminor=0; t.addfile(ti)
wtar('a-char-device.tar.gz', base(), extra=charsdev)
import bz2, lzma
buf=io.BytesIO()
with tarfile.open(fileobj=buf, mode='w') as t:
    for k,v in base().items():
        bb=v if isinstance(v,bytes) else v.encode(); ti=tarfile.TarInfo('CUB/'+k); ti.size=len(bb); t.addfile(ti, io.BytesIO(bb))
open(f'{OUT}/a-bz2-named-tgz.tgz','wb').write(bz2.compress(buf.getvalue()))
open(f'{OUT}/a-xz-named-tar.gz.tar.gz','wb').write(lzma.compress(buf.getvalue()))
open(f'{OUT}/a-plain-tar-named.tar.gz','wb').write(buf.getvalue())
open(f'{OUT}/a-7z-magic.zip','wb').write(b"7z\xbc\xaf'\x1c"+os.urandom(2000))
wzip('a-two-levels-deep.zip', base(), prefix='outer/CUB/')
f=base(); z={('A/'+k):v for k,v in f.items()}; z.update({('B/'+k):v for k,v in f.items()}); wzip('a-two-top-folders.zip', z, prefix='')
with zipfile.ZipFile(f'{OUT}/a-empty.zip','w') as z: pass
f=base(); f['images.txt']=''; wzip('a-empty-images-txt.zip', f)
f=base(); f['IMAGES.TXT']=f.pop('images.txt'); wzip('a-uppercase-images-txt.zip', f)
f=base(); f['images.txt ']=f.pop('images.txt'); wzip('a-trailing-space-name.zip', f)
with zipfile.ZipFile(f'{OUT}/a-comment-64k.zip','w') as z:
    for k,v in base().items(): z.writestr('CUB/'+k, v if isinstance(v,bytes) else v.encode())
    z.comment=b'C'*65535
# a zip inside which images.txt is a directory
f=base(); t=f.pop('images.txt'); f['images.txt/']=b''; wzip('a-images-txt-is-dir.zip', f)
# Unicode names: NFC in images.txt, NFD in archive
import unicodedata
f=base(); old=sel[0][1]; new=old.replace('0001','Ünïcödé_0001'); f['images/'+unicodedata.normalize('NFD',new)]=f.pop('images/'+old); f['images.txt']=f['images.txt'].replace(old, unicodedata.normalize('NFC',new)); wzip('a-unicode-nfd-vs-nfc.zip', f)
f=base(); old=sel[0][1]; new=old.replace('0001','Ünïcödé_0001'); f['images/'+new]=f.pop('images/'+old); f['images.txt']=f['images.txt'].replace(old,new); wzip('ok-unicode-names.zip', f)
# Images
def img_case(name, data, idx=0, fname=None):
    f=base(); p=sel[idx][1]
    if fname:
        f.pop('images/'+p); np=p.rsplit('/',1)[0]+'/'+fname; f['images/'+np]=data; f['images.txt']=f['images.txt'].replace(p,np)
    else: f['images/'+p]=data
    wzip(name, f)
def enc(im, fmt, **kw):
    b=io.BytesIO(); im.save(b, fmt, **kw); return b.getvalue()
src=Image.open(f'{SRC}/images/{sel[0][1]}')
W,H=src.size
img_case('i-png-interlaced-16bit.zip', enc(src.convert('L').convert('I'),'PNG'), fname='x.png')
img_case('i-png-adam7.zip', enc(src,'PNG', optimize=False), fname='x.png')
img_case('i-tiff-as-jpg.zip', enc(src,'TIFF'))
img_case('i-svg-as-png.zip', b'<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"/>', fname='x.png')
img_case('i-ico-as-jpg.zip', enc(src.resize((32,32)),'ICO'))
img_case('i-jpeg-cmyk-progressive.zip', enc(src.convert('CMYK'),'JPEG', progressive=True))
ex=src.getexif(); ex[0x0112]=6
img_case('i-jpeg-exif-rotated.zip', enc(src,'JPEG', exif=ex.tobytes()))
# PNG with zTXt bomb
def png_chunk(t, d): return struct.pack('>I',len(d))+t+d+struct.pack('>I', zlib.crc32(t+d)&0xffffffff)
p=enc(src,'PNG'); iend=p.rfind(b'IEND')-4
bomb=zlib.compress(b'\0'*(400<<20), 9)
p2=p[:33]+png_chunk(b'zTXt', b'Comment\0\0'+bomb)+p[33:]
img_case('i-png-ztxt-bomb-400mb.zip', p2, fname='x.png')
p3=p[:33]+png_chunk(b'iCCP', b'icc\0\0'+bomb)+p[33:]
img_case('i-png-iccp-bomb-400mb.zip', p3, fname='x.png')
# PNG with bad CRC on IDAT
b=bytearray(p); j=b.find(b'IDAT'); ln=struct.unpack('>I', b[j-4:j])[0]; b[j+4+ln]^=0xff
img_case('i-png-bad-crc.zip', bytes(b), fname='x.png')
# PNG whose IDAT inflates beyond the image (extra data)
img_case('i-jpeg-truncated-in-scan.zip', open(f'{SRC}/images/{sel[0][1]}','rb').read()[:800])
img_case('i-1x1.zip', enc(src.resize((1,1)),'JPEG'))
img_case('i-extreme-aspect-20000x3.zip', enc(src.resize((20000,3)),'PNG'), fname='x.png')
img_case('i-png-apng.zip', enc(src,'PNG', save_all=True, append_images=[src.rotate(90)]), fname='x.png')
img_case('i-webp-as-png.zip', enc(src,'WEBP'), fname='x.png')
img_case('i-gif-named-png.zip', enc(src,'GIF'), fname='x.png')
img_case('i-jpeg-with-trailing-zip.zip', open(f'{SRC}/images/{sel[0][1]}','rb').read()+open(f'{OUT}/ok.zip','rb').read())
img_case('i-png-1bit.zip', enc(src.convert('1'),'PNG'), fname='x.png')
img_case('i-png-LA.zip', enc(src.convert('LA'),'PNG'), fname='x.png')
img_case('i-png-P-trns.zip', enc(src.convert('P'),'PNG', transparency=0), fname='x.png')
# Annotations
def ann(name, fn, text):
    f=base(); f[fn]=text(f[fn]) if callable(text) else text; wzip(name, f)
ann('n-nbsp-separator.zip','images.txt', lambda t: t.replace(' ','\u00a0',1))
ann('n-blank-lines-inside.zip','images.txt', lambda t: t.replace('\n','\n\n   \n',2))
ann('n-id-scientific.zip','images.txt', lambda t: t.replace('1 ','1e0 ',1))
ann('n-id-plus.zip','images.txt', lambda t: '+'+t)
ann('n-box-hex.zip','bounding_boxes.txt', lambda t: t.replace(t.split('\n')[0].split()[1], '0x10',1))
ann('n-classes-id-01.zip','classes.txt', '01 001.red_dot_finch\n2 002.blue_dot_finch\n')
ann('n-all-train.zip','train_test_split.txt', lambda t: t.replace(' 0',' 1'))
ann('n-class-name-ansi-rtl.zip','classes.txt', '1 001.\x1b[31mred\u202edot\n2 002.<img src=x onerror=alert(1)>\n')
ann('n-nul-in-line.zip','images.txt', lambda t: t.replace('.jpg','\0.jpg',1))
ann('n-100k-missing.zip','images.txt', lambda t: t+''.join(f'{i} images_missing/{i}.jpg\n' for i in range(7,100007)))
ann('n-two-boxes-one-image.zip','bounding_boxes.txt', lambda t: t+t.split('\n')[0]+'\n')
ann('n-bom-mid-file.zip','images.txt', lambda t: t.replace('\n','\n\ufeff',1))
ann('n-class-no-name.zip','classes.txt', '1\n2 002.blue_dot_finch\n')
ann('n-path-to-txt.zip','images.txt', lambda t: t.replace(sel[0][1], '../images.txt',1))
ann('n-path-dot-segments.zip','images.txt', lambda t: t.replace(sel[0][1], './'+sel[0][1],1))
ann('n-latin1.zip','classes.txt', '1 001.caf\xe9\n2 002.blue\n'.encode('latin-1'))
ann('n-box-float-precision.zip','bounding_boxes.txt', lambda t: t.replace(t.split('\n')[0].split()[1], '0.'+'0'*5000+'1',1))
ann('n-line-endings-cr-only.zip','images.txt', lambda t: t.replace('\n','\r'))
ann('n-negative-zero-box.zip','bounding_boxes.txt', lambda t: t.replace(t.split('\n')[0].split()[1], '-0.0',1))
ann('n-id-huge.zip','images.txt', lambda t: t.replace('1 ','99999999999999999999 ',1))
print(len(os.listdir(OUT)),'archives')
