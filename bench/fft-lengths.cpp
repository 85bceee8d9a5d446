// The transform lengths of t-SNE's FFT repulsion (issue 16): for each even 7-smooth length L, the
// time in microseconds (best of 5-9) of the passes tsne_fft.hpp runs, planned as it plans them
// (FFTW_ESTIMATE): the row pass (r2c of L/2 rows, and its c2r inverse) and the column pass (c2c of
// L/2 + 1 columns, forward and inverse). bench/fft-lengths.R turns this into the list of fast
// lengths in tsne_fft.hpp (kFastLengths).
// Build and run (one thread, idle machine):
//   g++ -O2 -std=c++17 bench/fft-lengths.cpp -o /tmp/fft-lengths -lfftw3
//   /tmp/fft-lengths 300 4200 > bench/results/fft-lengths.csv
// bench/results/fft-lengths.csv holds the minimum of two such runs, per length and column.
#include <initializer_list>
#include <fftw3.h>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <algorithm>
static double now(){return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();}
static bool smooth(int n){for(int p:{2,3,5,7})while(n%p==0)n/=p;return n==1;}
int main(int argc,char**argv){
  int lo=argc>1?atoi(argv[1]):300, hi=argc>2?atoi(argv[2]):4200;
  printf("L,row_fwd_us,row_inv_us,col_fwd_us,col_inv_us\n");
  for(int L=lo;L<=hi;L+=2){ if(!smooth(L))continue;
    const int m=L/2,cols=L/2+1,rs=2*cols; size_t ns=(size_t)L*cols; int len[1]={L};
    fftw_complex*buf=fftw_alloc_complex(ns); double*r=(double*)buf;
    fftw_plan rf=fftw_plan_many_dft_r2c(1,len,m,r,nullptr,1,rs,buf,nullptr,1,cols,FFTW_ESTIMATE);
    fftw_plan cf=fftw_plan_many_dft(1,len,cols,buf,nullptr,cols,1,buf,nullptr,cols,1,FFTW_FORWARD,FFTW_ESTIMATE);
    fftw_plan ci=fftw_plan_many_dft(1,len,cols,buf,nullptr,cols,1,buf,nullptr,cols,1,FFTW_BACKWARD,FFTW_ESTIMATE);
    fftw_plan ri=fftw_plan_many_dft_c2r(1,len,m,buf,nullptr,1,cols,r,nullptr,1,rs,FFTW_ESTIMATE);
    memset(buf,0,sizeof(fftw_complex)*ns);
    double t[4]={1e9,1e9,1e9,1e9}; int reps=L<1500?9:5;
    for(int k=0;k<reps;k++){ fftw_plan ps[4]={rf,ri,cf,ci};
      for(int j=0;j<4;j++){ if(j==1||j==3){} double t0=now(); fftw_execute(ps[j]); t[j]=std::min(t[j],now()-t0);} 
      memset(buf,0,sizeof(fftw_complex)*ns);}
    printf("%d,%.1f,%.1f,%.1f,%.1f\n",L,t[0]*1e6,t[1]*1e6,t[2]*1e6,t[3]*1e6); fflush(stdout);
    fftw_destroy_plan(rf);fftw_destroy_plan(cf);fftw_destroy_plan(ci);fftw_destroy_plan(ri);fftw_free(buf);}
}
